-- The directory tables exactly as the seed (001 §4) creates them in MariaDB.
CREATE TABLE virtual_domains (
id INT UNSIGNED NOT NULL AUTO_INCREMENT,
name VARCHAR(255) NOT NULL,
PRIMARY KEY (id),
UNIQUE KEY uq_domain_name (name)
) ENGINE=InnoDB
DEFAULT CHARSET=utf8mb4
COLLATE=utf8mb4_unicode_ci;
CREATE TABLE virtual_users (
id INT UNSIGNED NOT NULL AUTO_INCREMENT,
domain_id INT UNSIGNED NOT NULL,
email VARCHAR(255) NOT NULL,
password VARCHAR(255) NOT NULL,
PRIMARY KEY (id),
UNIQUE KEY uq_user_email (email),
KEY idx_user_domain (domain_id),
CONSTRAINT fk_user_domain
FOREIGN KEY (domain_id)
REFERENCES virtual_domains(id)
ON DELETE CASCADE
) ENGINE=InnoDB
DEFAULT CHARSET=utf8mb4
COLLATE=utf8mb4_unicode_ci;
CREATE TABLE virtual_aliases (
id INT UNSIGNED NOT NULL AUTO_INCREMENT,
domain_id INT UNSIGNED NOT NULL,
source VARCHAR(255) NOT NULL,
destination TEXT NOT NULL,
PRIMARY KEY (id),
KEY idx_alias_source (source),
KEY idx_alias_domain (domain_id),
CONSTRAINT fk_alias_domain
FOREIGN KEY (domain_id)
REFERENCES virtual_domains(id)
ON DELETE CASCADE
) ENGINE=InnoDB
DEFAULT CHARSET=utf8mb4
COLLATE=utf8mb4_unicode_ci;
