package workflow

import "github.com/recovery-mcp/recovery-mcp/internal/store"

// Feature is the workflow journal's migration feature name.
const Feature = "workflow"

// Migrations create the run/step journal, approvals and schedules.
var Migrations = []store.Migration{
	{Feature: Feature, Version: 1, SQL: `
CREATE TABLE wf_runs (
	id TEXT PRIMARY KEY,
	kind TEXT NOT NULL,
	params TEXT NOT NULL,
	dry_run INTEGER NOT NULL DEFAULT 0,
	status TEXT NOT NULL,
	principal TEXT NOT NULL,
	created_at INTEGER NOT NULL, -- Unix milliseconds
	updated_at INTEGER NOT NULL,
	plan TEXT NOT NULL DEFAULT '[]',
	result TEXT NOT NULL DEFAULT '',
	error TEXT NOT NULL DEFAULT '',
	progress TEXT NOT NULL DEFAULT '',
	waiting_seq INTEGER NOT NULL DEFAULT 0,
	wake_at INTEGER NOT NULL DEFAULT 0, -- approval timeout, Unix milliseconds
	schedule_id TEXT NOT NULL DEFAULT '',
	owner TEXT NOT NULL DEFAULT '', -- the engine executing the run
	lease_until INTEGER NOT NULL DEFAULT 0 -- its claim lapses then, Unix milliseconds
);
CREATE INDEX wf_runs_status ON wf_runs (status, updated_at);
CREATE TABLE wf_steps (
	run_id TEXT NOT NULL REFERENCES wf_runs (id),
	seq INTEGER NOT NULL,
	name TEXT NOT NULL,
	destructive INTEGER NOT NULL,
	status TEXT NOT NULL, -- started, done, failed
	idem_key TEXT NOT NULL,
	job TEXT NOT NULL DEFAULT '', -- the job, task or transfer an attempt started
	attempts INTEGER NOT NULL,
	output TEXT NOT NULL DEFAULT '',
	error TEXT NOT NULL DEFAULT '',
	started_at INTEGER NOT NULL,
	ended_at INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (run_id, seq)
);
CREATE TABLE wf_approvals (
	run_id TEXT NOT NULL REFERENCES wf_runs (id),
	seq INTEGER NOT NULL,
	step TEXT NOT NULL,
	decision TEXT NOT NULL, -- approved, rejected, timed_out
	principal TEXT NOT NULL,
	at INTEGER NOT NULL,
	comment TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (run_id, seq)
);
CREATE TABLE wf_schedules (
	id TEXT PRIMARY KEY,
	kind TEXT NOT NULL,
	params TEXT NOT NULL,
	every_seconds INTEGER NOT NULL,
	next_at INTEGER NOT NULL,
	principal TEXT NOT NULL,
	last_run TEXT NOT NULL DEFAULT ''
);`},
}
