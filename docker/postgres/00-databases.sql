-- Runs once, when the PostgreSQL volume is first created.
SELECT 'CREATE DATABASE coaching_test' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'coaching_test')\gexec
