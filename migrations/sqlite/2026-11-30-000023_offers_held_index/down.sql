DROP INDEX offers_held;
