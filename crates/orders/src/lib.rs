//! The order book: the [`Order`] aggregate, the MCP channel's state machine
//! ([`status`]), delivery slots and prices ([`schedule`]), and the use cases
//! behind `/delivery`, `/checkout` and `/order/{id}/status`.

pub mod book;
pub mod kuper;
pub mod limits;
mod model;
pub mod onec;
pub mod pick_list;
mod ports;
pub mod retention;
pub mod schedule;
pub mod status;
mod usecases;

pub use model::{Channel, Order, OrderLine, Shipping, ShippingMethod, Slot, new_order_id};
pub use ports::{ApplyError, CreateError, OrderEvent, OrderHistory, OrderRepo, RepoError};
pub use status::{Action, Effect, IllegalTransition, OrderStatus, Transition, transition};
pub use usecases::{
    CheckoutRequest, DeliveryOptions, Destination, ItemRequest, MAX_LINES, OrderError, OrderSettings,
    Ordering, SlotOption,
};
