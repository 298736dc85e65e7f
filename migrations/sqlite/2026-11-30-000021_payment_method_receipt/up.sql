-- How the payer pays (payments::PaymentMethod::as_str: page, sberpay, sbp);
-- the attempts made before there was a choice were the gateway's page.
ALTER TABLE payments ADD COLUMN method TEXT NOT NULL DEFAULT 'page';
-- The 54-FZ receipt sent with the payment (payments::receipt::to_stored),
-- which its refund repeats; NULL when the gateway does not fiscalise.
ALTER TABLE payments ADD COLUMN receipt TEXT;
