-- Postern's directory schema: a superset of the seed schema (seed 001 §4, translated to
-- PostgreSQL), so the seed's Postfix/Dovecot queries run unchanged against it.
CREATE TABLE virtual_domains (
  id SERIAL PRIMARY KEY,
  name VARCHAR(255) NOT NULL,
  created TIMESTAMPTZ NOT NULL DEFAULT now(),
  CONSTRAINT uq_domain_name UNIQUE (name)
);
CREATE TABLE virtual_users (
  id SERIAL PRIMARY KEY,
  domain_id INTEGER NOT NULL REFERENCES virtual_domains(id) ON DELETE CASCADE,
  email VARCHAR(255) NOT NULL,
  password VARCHAR(255) NOT NULL,
  quota_bytes BIGINT,
  enabled BOOLEAN NOT NULL DEFAULT TRUE,
  created TIMESTAMPTZ NOT NULL DEFAULT now(),
  CONSTRAINT uq_user_email UNIQUE (email)
);
CREATE INDEX idx_user_domain ON virtual_users(domain_id);
CREATE TABLE virtual_aliases (
  id SERIAL PRIMARY KEY,
  domain_id INTEGER NOT NULL REFERENCES virtual_domains(id) ON DELETE CASCADE,
  source VARCHAR(255) NOT NULL,
  destination TEXT NOT NULL,
  created TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX idx_alias_source ON virtual_aliases(source);
CREATE INDEX idx_alias_domain ON virtual_aliases(domain_id);
