DROP TABLE sandbox_payments;
