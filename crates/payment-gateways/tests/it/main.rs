//! The gateway adapters against local fakes of YooKassa's and Sber's APIs: one test binary, linked once after a change below it
//! (every module was a binary of its own).

mod sber;
mod yookassa;
