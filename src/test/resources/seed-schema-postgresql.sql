-- The seed's directory tables (001 §4) translated to PostgreSQL: same names, columns and keys.
CREATE TABLE virtual_domains (
id SERIAL NOT NULL,
name VARCHAR(255) NOT NULL,
PRIMARY KEY (id),
CONSTRAINT uq_domain_name UNIQUE (name)
);
CREATE TABLE virtual_users (
id SERIAL NOT NULL,
domain_id INTEGER NOT NULL,
email VARCHAR(255) NOT NULL,
password VARCHAR(255) NOT NULL,
PRIMARY KEY (id),
CONSTRAINT uq_user_email UNIQUE (email),
CONSTRAINT fk_user_domain
FOREIGN KEY (domain_id)
REFERENCES virtual_domains(id)
ON DELETE CASCADE
);
CREATE INDEX idx_user_domain ON virtual_users (domain_id);
CREATE TABLE virtual_aliases (
id SERIAL NOT NULL,
domain_id INTEGER NOT NULL,
source VARCHAR(255) NOT NULL,
destination TEXT NOT NULL,
PRIMARY KEY (id),
CONSTRAINT fk_alias_domain
FOREIGN KEY (domain_id)
REFERENCES virtual_domains(id)
ON DELETE CASCADE
);
CREATE INDEX idx_alias_source ON virtual_aliases (source);
CREATE INDEX idx_alias_domain ON virtual_aliases (domain_id);
