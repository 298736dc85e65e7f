//! The flow table, exhaustively per integration type.

use super::*;

use IntegrationType::{KuperDelivery, MerchantDelivery, Pickup};
use KuperStatus as S;
use StaffAction as A;

fn facts(integration: IntegrationType, status: KuperStatus) -> Facts {
    Facts { integration, status, restaurant: false, paid: false, composition_final: true }
}

fn variants() -> impl Iterator<Item = (IntegrationType, bool, bool)> {
    IntegrationType::ALL.into_iter().flat_map(|i| {
        [false, true].into_iter().flat_map(move |r| [false, true].into_iter().map(move |p| (i, r, p)))
    })
}

/// Every staff step the flow allows, written out independently of `staff`:
/// (integration, restaurant, from, action, to). Cancel is checked apart.
/// Goods are handed over only once Kuper has charged (`paid`).
fn allowed(paid: bool) -> Vec<(IntegrationType, bool, KuperStatus, StaffAction, Option<KuperStatus>)> {
    let mut rows = Vec::new();
    for integration in IntegrationType::ALL {
        for restaurant in [false, true] {
            if restaurant {
                rows.push((integration, true, S::Created, A::Accept, Some(S::Accepted)));
            } else {
                rows.push((integration, false, S::Created, A::StartAssembly, Some(S::InWork)));
            }
            rows.push((integration, restaurant, S::Accepted, A::StartAssembly, Some(S::InWork)));
            rows.push((integration, restaurant, S::InWork, A::Assembled, Some(S::Assembled)));
            match integration {
                Pickup => {
                    rows.push((
                        integration,
                        restaurant,
                        S::Assembled,
                        A::PickupCode,
                        Some(S::PickupCodeSent),
                    ));
                    rows.push((integration, restaurant, S::PickupCodeSent, A::Ready, Some(S::Ready)));
                    if paid {
                        rows.push((integration, restaurant, S::Ready, A::Delivered, Some(S::Delivered)));
                    }
                }
                KuperDelivery => {
                    rows.push((integration, restaurant, S::Assembled, A::Ready, Some(S::Ready)));
                    rows.push((integration, restaurant, S::PickupCodeSent, A::Ready, Some(S::Ready)));
                }
                MerchantDelivery => {
                    rows.push((integration, restaurant, S::Assembled, A::Ready, Some(S::Ready)));
                    rows.push((integration, restaurant, S::PickupCodeSent, A::Ready, Some(S::Ready)));
                    if paid {
                        rows.push((integration, restaurant, S::Ready, A::Delivering, Some(S::Delivering)));
                    }
                    rows.push((integration, restaurant, S::Delivering, A::Delivered, Some(S::Delivered)));
                    for status in S::ALL.into_iter().filter(|s| !s.is_final()) {
                        rows.push((integration, restaurant, status, A::EstimatedDeliveryTime, None));
                    }
                }
            }
        }
    }
    rows
}

#[test]
fn staff_actions_are_exactly_the_documented_ones_for_each_integration_type() {
    for (integration, restaurant, paid) in variants() {
        let allowed = allowed(paid);
        {
            for status in S::ALL {
                for action in StaffAction::ALL.into_iter().filter(|a| *a != A::Cancel) {
                    let f = Facts { restaurant, paid, ..facts(integration, status) };
                    let got = staff(f, action).map(|step| step.to).ok();
                    let expected = allowed
                        .iter()
                        .find(|r| r.0 == integration && r.1 == restaurant && r.2 == status && r.3 == action)
                        .map(|r| r.4);
                    assert_eq!(
                        got, expected,
                        "{integration:?} restaurant={restaurant} paid={paid} {status} {action}"
                    );
                    if let Ok(step) = staff(f, action) {
                        assert!(step.effects.starts_with(NOTIFY), "every staff step notifies Kuper");
                    }
                }
            }
        }
    }
}

#[test]
fn cancel_works_until_the_end_and_restocks_only_what_is_still_in_store() {
    for integration in IntegrationType::ALL {
        for status in S::ALL {
            let step = staff(facts(integration, status), A::Cancel);
            let event = incoming(facts(integration, status), Event::Canceled);
            if status.is_final() {
                assert!(step.is_err());
                assert!(matches!(event, Incoming::Record(_)), "{status}");
                continue;
            }
            let step = step.unwrap();
            assert_eq!(step.to, Some(S::Canceled));
            let releases = step.effects.contains(&KuperEffect::ReleaseStock);
            assert_eq!(releases, status <= S::Ready, "{integration:?} {status}");
            assert_eq!(
                event,
                Incoming::Apply(Step {
                    to: Some(S::Canceled),
                    effects: if releases { CANCELED_BY_KUPER } else { CANCELED_BY_KUPER_LATE }
                })
            );
            // Goods the courier took before the final composition are still
            // held: a cancel then puts them back.
            let early = Facts { composition_final: false, ..facts(integration, status) };
            let releases_early =
                staff(early, A::Cancel).unwrap().effects.contains(&KuperEffect::ReleaseStock);
            assert!(releases_early, "{integration:?} {status}");
        }
    }
}

#[test]
fn webhooks_never_move_an_order_backwards_and_closed_orders_only_record() {
    for integration in IntegrationType::ALL {
        for status in S::ALL {
            for paid in [false, true] {
                for event in Event::ALL {
                    let f = Facts { paid, ..facts(integration, status) };
                    match incoming(f, event) {
                        Incoming::Apply(step) => {
                            assert!(!status.is_final(), "{integration:?} {status} {event:?}");
                            if let Some(to) = step.to {
                                assert!(
                                    to > status || to == S::Canceled,
                                    "{integration:?} {status} {event:?} -> {to}"
                                );
                            }
                        }
                        Incoming::Record(reason) => assert!(!reason.is_empty()),
                    }
                }
            }
        }
    }
}

#[test]
fn kuper_delivery_moves_on_kupers_courier_events_the_others_do_not() {
    let step = |integration, status, event| incoming(facts(integration, status), event);
    assert_eq!(step(KuperDelivery, S::Ready, Event::Received), Incoming::Apply(to(S::Received, SELL)));
    assert_eq!(step(KuperDelivery, S::Received, Event::Delivering), Incoming::Apply(to(S::Delivering, NONE)));
    assert_eq!(step(KuperDelivery, S::Delivering, Event::Delivered), Incoming::Apply(to(S::Delivered, NONE)));
    // Our ready_for_delivery is not sent yet when the courier takes it: the
    // holds wait for the final composition.
    let early = Facts { composition_final: false, ..facts(KuperDelivery, S::Assembled) };
    assert_eq!(incoming(early, Event::Received), Incoming::Apply(to(S::Received, NONE)));
    for status in [S::Received, S::Delivering, S::Delivered] {
        let taken = Facts { composition_final: false, ..facts(KuperDelivery, status) };
        assert_eq!(staff(taken, A::Ready), Ok(Step { to: None, effects: NOTIFY_SELL }), "{status}");
        assert!(staff(facts(KuperDelivery, status), A::Ready).is_err(), "{status}: only once");
    }
    assert!(
        staff(Facts { composition_final: false, ..facts(KuperDelivery, S::Canceled) }, A::Ready).is_err()
    );
    for event in [Event::CourierAssigned, Event::CourierArrived] {
        assert_eq!(
            step(KuperDelivery, S::Ready, event),
            Incoming::Apply(Step { to: None, effects: COURIER })
        );
    }
    // A late retry of an earlier event.
    assert_eq!(
        step(KuperDelivery, S::Delivering, Event::Received),
        Incoming::Record("the order is further along")
    );
    for integration in [Pickup, MerchantDelivery] {
        for event in [
            Event::CourierAssigned,
            Event::CourierArrived,
            Event::Received,
            Event::Delivering,
            Event::Delivered,
        ] {
            assert_eq!(
                step(integration, S::Ready, event),
                Incoming::Record("not an event of this integration type")
            );
        }
    }
}

#[test]
fn payment_is_taken_once_whenever_it_comes() {
    for integration in IntegrationType::ALL {
        for status in S::ALL.into_iter().filter(|s| !s.is_final()) {
            let f = facts(integration, status);
            assert_eq!(incoming(f, Event::Paid), Incoming::Apply(Step { to: None, effects: PAID }));
            assert_eq!(incoming(Facts { paid: true, ..f }, Event::Paid), Incoming::Record("already paid"));
        }
    }
}

#[test]
fn guards_say_why() {
    let pickup = facts(Pickup, S::Assembled);
    assert_eq!(staff(pickup, A::Ready).unwrap_err().reason, "a pickup order needs its pickup code first");
    assert_eq!(
        staff(facts(Pickup, S::InWork), A::PickupCode).unwrap_err().to_string(),
        "order.pickup_code_created is not allowed for an order that is in_work: the order is assembled first"
    );
    for (integration, action) in [(Pickup, A::Delivered), (MerchantDelivery, A::Delivering)] {
        assert_eq!(
            staff(facts(integration, S::Ready), action).unwrap_err().reason,
            "Kuper has not charged the customer yet (no order.paid)"
        );
    }
    let restaurant = Facts { restaurant: true, ..facts(KuperDelivery, S::Created) };
    assert_eq!(
        staff(restaurant, A::StartAssembly).unwrap_err().reason,
        "a restaurant accepts the order first"
    );
    assert_eq!(
        staff(facts(KuperDelivery, S::Created), A::Accept).unwrap_err().reason,
        "only restaurants accept orders"
    );
    assert_eq!(
        staff(Facts { paid: true, ..facts(KuperDelivery, S::Ready) }, A::Delivered).unwrap_err().reason,
        "Kuper reports delivery itself"
    );
}

/// A whole order per integration type, staff and Kuper taking turns.
#[test]
fn a_happy_path_per_integration_type_ends_delivered() {
    let run = |integration: IntegrationType, script: &[Result<StaffAction, Event>]| {
        let mut f = facts(integration, S::Created);
        for step in script {
            let applied = match step {
                Ok(action) => staff(f, *action).unwrap_or_else(|e| panic!("{integration:?}: {e}")),
                Err(event) => match incoming(f, *event) {
                    Incoming::Apply(step) => step,
                    Incoming::Record(why) => panic!("{integration:?}: {event:?} recorded: {why}"),
                },
            };
            if let Some(to) = applied.to {
                f.status = to;
            }
            f.paid |= applied.effects.contains(&KuperEffect::MarkPaid);
        }
        assert_eq!((f.status, f.paid), (S::Delivered, true), "{integration:?}");
    };
    run(
        KuperDelivery,
        &[
            Ok(A::StartAssembly),
            Ok(A::Assembled),
            Ok(A::Ready),
            Err(Event::Paid),
            Err(Event::CourierAssigned),
            Err(Event::CourierArrived),
            Err(Event::Received),
            Err(Event::Delivering),
            Err(Event::Delivered),
        ],
    );
    run(
        Pickup,
        &[
            Ok(A::StartAssembly),
            Ok(A::Assembled),
            Ok(A::PickupCode),
            Ok(A::Ready),
            Err(Event::Paid),
            Ok(A::Delivered),
        ],
    );
    run(
        MerchantDelivery,
        &[
            Ok(A::StartAssembly),
            Ok(A::EstimatedDeliveryTime),
            Ok(A::Assembled),
            Ok(A::Ready),
            Err(Event::Paid),
            Ok(A::Delivering),
            Ok(A::Delivered),
        ],
    );
}

#[test]
fn names_round_trip() {
    for t in IntegrationType::ALL {
        assert_eq!(IntegrationType::parse(t.as_str()), Some(t));
    }
    for s in S::ALL {
        assert_eq!(KuperStatus::parse(s.as_str()), Some(s));
    }
    assert_eq!(Event::from_wire("order.paid"), Some(Event::Paid));
    assert_eq!(Event::from_wire("order.created"), None);
    for a in StaffAction::ALL {
        assert_eq!(a.notification().parse::<StaffAction>(), Ok(a));
        assert_eq!(a.notification().trim_start_matches("order.").parse::<StaffAction>(), Ok(a));
    }
    assert!("teleport".parse::<StaffAction>().is_err());
    // What README and `merchantctl kuper act --help` say.
    for (said, action) in
        [("accept", A::Accept), ("accepted", A::Accept), ("cancel", A::Cancel), ("ready", A::Ready)]
    {
        assert_eq!(said.parse::<StaffAction>(), Ok(action), "{said}");
    }
}

/// Over every (status × event) and (status × staff action) of every
/// integration type: the holds become a sale exactly when the goods leave
/// the store for anywhere but the shelf, are released exactly on a cancel
/// while they are in the store, and never both.
#[test]
fn holds_are_sold_when_the_goods_leave_and_released_only_on_cancel_in_store() {
    for integration in IntegrationType::ALL {
        for restaurant in [false, true] {
            for status in S::ALL {
                let facts =
                    Facts { restaurant, paid: true, composition_final: true, ..facts(integration, status) };
                let early = Facts { composition_final: false, ..facts };
                if !status.goods_in_store() && status != S::Canceled && integration == KuperDelivery {
                    // The courier has goods we have not composed: nothing
                    // but our ready_for_delivery sells them.
                    for event in Event::ALL {
                        if let Incoming::Apply(step) = incoming(early, event) {
                            assert!(!step.effects.contains(&KuperEffect::SellStock), "{status} {event:?}");
                        }
                    }
                }
                let steps = Event::ALL
                    .iter()
                    .filter_map(|e| match incoming(facts, *e) {
                        Incoming::Apply(step) => Some(step),
                        Incoming::Record(_) => None,
                    })
                    .chain(A::ALL.iter().filter_map(|a| staff(facts, *a).ok()));
                for step in steps {
                    let to = step.to.unwrap_or(status);
                    let sells = step.effects.contains(&KuperEffect::SellStock);
                    let releases = step.effects.contains(&KuperEffect::ReleaseStock);
                    let leaves = status.goods_in_store() && !to.goods_in_store() && to != S::Canceled;
                    assert_eq!(sells, leaves, "{integration:?} {status} -> {to}");
                    assert_eq!(
                        releases,
                        status.goods_in_store() && to == S::Canceled,
                        "{integration:?} {status} -> {to}"
                    );
                    assert!(!(sells && releases));
                }
            }
        }
    }
}

/// (status × webhook) for every integration type, written out apart from
/// `incoming`: where the order goes, or that it is only recorded.
#[test]
fn every_webhook_in_every_status_is_applied_or_recorded_as_documented() {
    for (integration, restaurant, paid) in variants() {
        for status in S::ALL {
            for event in Event::ALL {
                let f = Facts { restaurant, paid, ..facts(integration, status) };
                let expected: Option<Option<KuperStatus>> = match event {
                    _ if status == S::Delivered => None,
                    // Closed by a cancel: a second cancel too is only recorded.
                    _ if status == S::Canceled => None,
                    Event::Canceled => Some(Some(S::Canceled)),
                    Event::Paid if paid => None,
                    Event::Paid | Event::Updated => Some(None),
                    _ if integration != KuperDelivery => None,
                    Event::CourierAssigned | Event::CourierArrived => Some(None),
                    Event::Received if status < S::Received => Some(Some(S::Received)),
                    Event::Delivering if status < S::Delivering => Some(Some(S::Delivering)),
                    Event::Delivered => Some(Some(S::Delivered)),
                    Event::Received | Event::Delivering => None,
                };
                let got = match incoming(f, event) {
                    Incoming::Apply(step) => Some(step.to),
                    Incoming::Record(_) => None,
                };
                assert_eq!(got, expected, "{integration:?} paid={paid} {status} {event:?}");
            }
        }
    }
}

#[test]
fn the_composition_is_final_from_ready_for_delivery_on_and_stays_so() {
    for action in A::ALL {
        for was_final in [false, true] {
            let facts = Facts { composition_final: was_final, ..facts(KuperDelivery, S::Assembled) };
            let expected = was_final || action == A::Ready;
            assert_eq!(
                composition_final_after(facts, action),
                expected,
                "{action:?} after final={was_final}"
            );
        }
    }
}
