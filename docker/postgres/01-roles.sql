-- The service's own role (the migrations grant it what it needs and create it
-- when missing; here it gets a password, which the compose file uses).
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'coaching_app') THEN
    CREATE ROLE coaching_app LOGIN PASSWORD 'coaching_app' NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
  END IF;
END $$;
