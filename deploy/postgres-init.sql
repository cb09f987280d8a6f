-- Runs once, when the postgres service initialises an empty data volume (/docker-entrypoint-initdb.d).
-- POSTGRES_DB creates the warehouse database `ecom`; Dagster's runs, event logs and schedules get their own.
CREATE DATABASE dagster;
