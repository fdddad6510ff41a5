-- The server schema of gridctl 0.1.0 (server/db.py before migrations), as its create_all made it on sqlite.
-- tests/server/test_migrations.py builds a database from this to test the upgrade.
CREATE TABLE divisions (
	code VARCHAR(15) NOT NULL, 
	name VARCHAR(100) NOT NULL, 
	level VARCHAR(10) NOT NULL, 
	parent VARCHAR(15), 
	kind VARCHAR(12), 
	PRIMARY KEY (code)
);

CREATE INDEX ix_divisions_parent ON divisions (parent);

CREATE TABLE users (
	username VARCHAR(64) NOT NULL, 
	display_name VARCHAR(100) NOT NULL, 
	phone VARCHAR(20), 
	role VARCHAR(12) NOT NULL, 
	scope TEXT NOT NULL, 
	password_hash TEXT NOT NULL, 
	created_at VARCHAR(32) NOT NULL, 
	PRIMARY KEY (username)
);

CREATE TABLE tokens (
	token_hash VARCHAR(64) NOT NULL, 
	username VARCHAR(64) NOT NULL, 
	device_id VARCHAR(128), 
	device_name VARCHAR(128), 
	created_at VARCHAR(32) NOT NULL, 
	expires_at VARCHAR(32) NOT NULL, 
	revoked BOOLEAN NOT NULL, 
	PRIMARY KEY (token_hash)
);

CREATE INDEX ix_tokens_username ON tokens (username);

CREATE TABLE login_failures (
	id INTEGER NOT NULL, 
	username VARCHAR(64) NOT NULL, 
	at VARCHAR(32) NOT NULL, 
	PRIMARY KEY (id)
);

CREATE INDEX ix_login_failures_username ON login_failures (username);

CREATE TABLE households (
	id VARCHAR(36) NOT NULL, 
	household_no VARCHAR(40) NOT NULL, 
	grid_code VARCHAR(15) NOT NULL, 
	address VARCHAR(200), 
	lat FLOAT, 
	lon FLOAT, 
	head_person_id VARCHAR(36), 
	version INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (household_no)
);

CREATE INDEX ix_households_grid_code ON households (grid_code);

CREATE INDEX households_grid_id ON households (grid_code, id);

CREATE TABLE persons (
	id VARCHAR(36) NOT NULL, 
	household_id VARCHAR(36) NOT NULL, 
	grid_code VARCHAR(15) NOT NULL, 
	name VARCHAR(50) NOT NULL, 
	id_number VARCHAR(18), 
	sex VARCHAR(8), 
	birth_date VARCHAR(10), 
	phone VARCHAR(20), 
	relation_to_head VARCHAR(16), 
	residence VARCHAR(12), 
	tags TEXT NOT NULL, 
	key_person_type VARCHAR(24), 
	care_level VARCHAR(8), 
	version INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (id_number)
);

CREATE INDEX persons_grid_id ON persons (grid_code, id);

CREATE INDEX ix_persons_grid_code ON persons (grid_code);

CREATE INDEX persons_tags ON persons (grid_code, tags);

CREATE INDEX ix_persons_household_id ON persons (household_id);

CREATE TABLE visits (
	id VARCHAR(36) NOT NULL, 
	household_id VARCHAR(36) NOT NULL, 
	grid_code VARCHAR(15) NOT NULL, 
	person_ids TEXT NOT NULL, 
	worker VARCHAR(64) NOT NULL, 
	visited_at VARCHAR(32) NOT NULL, 
	method VARCHAR(12) NOT NULL, 
	purpose VARCHAR(16) NOT NULL, 
	met BOOLEAN NOT NULL, 
	note TEXT, 
	concern TEXT, 
	next_visit_due VARCHAR(10), 
	lat FLOAT, 
	lon FLOAT, 
	photos TEXT NOT NULL, 
	version INTEGER NOT NULL, 
	PRIMARY KEY (id)
);

CREATE INDEX ix_visits_grid_code ON visits (grid_code);

CREATE INDEX ix_visits_visited_at ON visits (visited_at);

CREATE INDEX ix_visits_household_id ON visits (household_id);

CREATE INDEX ix_visits_worker ON visits (worker);

CREATE TABLE cases (
	id VARCHAR(36) NOT NULL, 
	serial VARCHAR(24), 
	title VARCHAR(100) NOT NULL, 
	description TEXT, 
	category VARCHAR(20) NOT NULL, 
	subcategory VARCHAR(8), 
	scale VARCHAR(12) NOT NULL, 
	urgent BOOLEAN NOT NULL, 
	parties TEXT NOT NULL, 
	occurred_at VARCHAR(32), 
	reported_at VARCHAR(32) NOT NULL, 
	grid_code VARCHAR(15) NOT NULL, 
	address VARCHAR(200), 
	lat FLOAT, 
	lon FLOAT, 
	source VARCHAR(12) NOT NULL, 
	reporter VARCHAR(64) NOT NULL, 
	household_id VARCHAR(36), 
	status VARCHAR(12) NOT NULL, 
	level VARCHAR(8) NOT NULL, 
	assignee VARCHAR(64), 
	due_at VARCHAR(32), 
	level_entered_at VARCHAR(32) NOT NULL, 
	resolved_at VARCHAR(32), 
	closed_at VARCHAR(32), 
	supervision VARCHAR(8) NOT NULL, 
	version INTEGER NOT NULL, 
	photos TEXT NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (serial)
);

CREATE INDEX ix_cases_reported_at ON cases (reported_at);

CREATE INDEX cases_closed_grid ON cases (status, closed_at, grid_code, resolved_at, due_at);

CREATE INDEX ix_cases_assignee ON cases (assignee);

CREATE INDEX cases_reported_grid ON cases (reported_at, grid_code);

CREATE INDEX cases_grid_status ON cases (grid_code, status);

CREATE INDEX cases_status_grid_level_due ON cases (status, grid_code, level, due_at);

CREATE INDEX ix_cases_grid_code ON cases (grid_code);

CREATE INDEX ix_cases_status ON cases (status);

CREATE TABLE case_steps (
	id INTEGER NOT NULL, 
	case_id VARCHAR(36) NOT NULL, 
	action VARCHAR(12) NOT NULL, 
	actor VARCHAR(64) NOT NULL, 
	from_status VARCHAR(12), 
	to_status VARCHAR(12), 
	from_level VARCHAR(8), 
	to_level VARCHAR(8), 
	note TEXT, 
	at VARCHAR(32) NOT NULL, 
	extra TEXT, 
	PRIMARY KEY (id)
);

CREATE INDEX ix_case_steps_case_id ON case_steps (case_id);

CREATE INDEX ix_case_steps_at ON case_steps (at);

CREATE TABLE serial_counters (
	prefix VARCHAR(16) NOT NULL, 
	last INTEGER NOT NULL, 
	PRIMARY KEY (prefix)
);

CREATE TABLE blobs (
	sha256 VARCHAR(64) NOT NULL, 
	content_type VARCHAR(32) NOT NULL, 
	size INTEGER NOT NULL, 
	data BLOB NOT NULL, 
	created_at VARCHAR(32) NOT NULL, 
	PRIMARY KEY (sha256)
);

CREATE TABLE applied_mutations (
	id VARCHAR(36) NOT NULL, 
	device_id VARCHAR(128), 
	username VARCHAR(64) NOT NULL, 
	type VARCHAR(20) NOT NULL, 
	result TEXT NOT NULL, 
	at VARCHAR(32) NOT NULL, 
	PRIMARY KEY (id)
);

CREATE TABLE feed (
	seq INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, 
	entity VARCHAR(12) NOT NULL, 
	entity_id VARCHAR(36) NOT NULL, 
	grid_code VARCHAR(15) NOT NULL, 
	version INTEGER, 
	deleted BOOLEAN NOT NULL, 
	CONSTRAINT feed_one_row_per_record_and_grid UNIQUE (entity, entity_id, grid_code)
);

CREATE INDEX ix_feed_grid_code ON feed (grid_code);
