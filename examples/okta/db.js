'use strict';
// The Okta service's durable queue and store: SQLite (sql.js, SQLite compiled to wasm: no native
// build, the same on Node 18, 20 and 22), held in memory and written to one file atomically
// (write a temporary file, fsync it, rename it over the old one, fsync the directory). An event
// batch is acknowledged to Okta only after the write that contains it has completed, so an
// acknowledged event survives a crash and is processed after the restart.
//
// Tables:
//   events   one row per event uuid (the primary key is the deduplication): the LogEvent, its
//            state (queued -> grouped -> done | failed) and, for sign-in verifications, the
//            sign-in (session) it belongs to
//   signins  sign-ins already decided, by group key (a late verification of one is not a new one)
//   users    per-user memory: { state, factors, kinds }
//   meta     the System Log polling cursor (the `next` link)
//   approvals changes held for approval, by approval id (the engine's `approval.id`): the change
//            as assessed, who may approve and until when, its status (pending -> granted ->
//            applied | reverted | pending again; pending -> refused -> reverted; pending ->
//            expired) and the grant once an approver consented (grantApproval), kept with it
//
// sql.js rewrites the whole file on each write: fine for tens of megabytes (a few milliseconds
// per write), not for a large tenant's history. Past that, put the same tables in a server
// database (PostgreSQL) with the same transaction boundaries.

const fs = require('node:fs');
const path = require('node:path');
const initSqlJs = require('sql.js');

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  uuid TEXT PRIMARY KEY,
  received INTEGER NOT NULL,
  published TEXT NOT NULL,
  event_type TEXT NOT NULL,
  body TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'queued',
  group_key TEXT,
  user_id TEXT,
  error TEXT
);
CREATE INDEX IF NOT EXISTS events_status ON events (status, published);
CREATE INDEX IF NOT EXISTS events_group ON events (group_key);
CREATE TABLE IF NOT EXISTS signins (group_key TEXT PRIMARY KEY, done_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS approvals (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  status TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  updated INTEGER NOT NULL,
  record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS approvals_due ON approvals (status, expires_at);
`;

let SQL; // the sql.js module, loaded once
async function sqlJs() {
  SQL ??= await initSqlJs();
  return SQL;
}

/**
 * Opens (or creates) the database. Without `file` it lives in memory only (tests, and a service
 * that accepts losing acknowledged events on a crash).
 * @param {{ file?: string, retainMs?: number }} [options]
 */
async function openDatabase({ file, retainMs = 7 * 24 * 3600_000 } = {}) {
  const SQLite = await sqlJs();
  const db = file && fs.existsSync(file) ? new SQLite.Database(fs.readFileSync(file)) : new SQLite.Database();
  db.exec(SCHEMA);
  let generation = 0; // bumped by every change
  let written = 0; // the generation the file holds
  let writing = null;

  function rows(sql, params = []) {
    const stmt = db.prepare(sql);
    try {
      stmt.bind(params);
      const out = [];
      while (stmt.step()) out.push(stmt.getAsObject());
      return out;
    } finally {
      stmt.free();
    }
  }
  function run(sql, params = []) {
    db.run(sql, params);
    generation += 1;
    return db.getRowsModified();
  }
  function transaction(fn) {
    db.exec('BEGIN');
    try {
      const out = fn();
      db.exec('COMMIT');
      return out;
    } catch (e) {
      db.exec('ROLLBACK');
      throw e;
    }
  }

  async function writeOnce() {
    const target = generation;
    const data = db.export();
    const tmp = `${file}.${process.pid}.tmp`;
    const fh = await fs.promises.open(tmp, 'w');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.promises.rename(tmp, file);
    try {
      const dir = await fs.promises.open(path.dirname(path.resolve(file)), 'r');
      await dir.sync().finally(() => dir.close());
    } catch {
      // Some platforms cannot fsync a directory; the rename is still atomic.
    }
    written = Math.max(written, target);
  }

  /** Resolves once the file holds every change made before the call. */
  async function persist() {
    if (!file) return;
    const target = generation;
    while (written < target) {
      writing ??= writeOnce().finally(() => {
        writing = null;
      });
      await writing;
    }
  }

  return {
    file,
    /** Stores the events not seen before (by uuid); returns them, in the order given. */
    enqueue(events, now = Date.now()) {
      return transaction(() => {
        const fresh = [];
        for (const event of events) {
          const changed = run('INSERT OR IGNORE INTO events (uuid, received, published, event_type, body) VALUES (?, ?, ?, ?, ?)', [
            event.uuid,
            now,
            typeof event.published === 'string' ? event.published : new Date(now).toISOString(),
            typeof event.eventType === 'string' ? event.eventType : '',
            JSON.stringify(event),
          ]);
          if (changed > 0) fresh.push(event);
        }
        return fresh;
      });
    },
    /** The oldest queued events (by `published`). */
    queued: (limit = 100) => rows("SELECT uuid, body FROM events WHERE status = 'queued' ORDER BY published, uuid LIMIT ?", [limit]).map((r) => JSON.parse(r.body)),
    counts: () => Object.fromEntries(rows('SELECT status, COUNT(*) AS n FROM events GROUP BY status').map((r) => [r.status, r.n])),
    markGrouped: (uuid, groupKey, userId) => run("UPDATE events SET status = 'grouped', group_key = ?, user_id = ? WHERE uuid = ?", [groupKey, userId, uuid]),
    markDone: (uuid) => run("UPDATE events SET status = 'done', body = '{}' WHERE uuid = ?", [uuid]),
    markFailed: (uuid, error) => run("UPDATE events SET status = 'failed', error = ? WHERE uuid = ?", [String(error).slice(0, 1000), uuid]),
    /** Sign-ins waiting: group key, user, first `published`, last receipt (ms). */
    groups: () => rows("SELECT group_key AS key, MIN(user_id) AS userId, MIN(published) AS first, MAX(received) AS last FROM events WHERE status = 'grouped' GROUP BY group_key ORDER BY first"),
    groupEvents: (key) => rows("SELECT body FROM events WHERE status = 'grouped' AND group_key = ? ORDER BY published, uuid", [key]).map((r) => JSON.parse(r.body)),
    signInDone: (key) => rows('SELECT 1 FROM signins WHERE group_key = ?', [key]).length > 0,
    finishGroup(key, now = Date.now()) {
      run("UPDATE events SET status = 'done', body = '{}' WHERE status = 'grouped' AND group_key = ?", [key]);
      run('INSERT OR REPLACE INTO signins (group_key, done_at) VALUES (?, ?)', [key, now]);
    },
    getUser: (id) => {
      const [row] = rows('SELECT record FROM users WHERE id = ?', [id]);
      return row ? JSON.parse(row.record) : undefined;
    },
    setUser: (id, record) => run('INSERT OR REPLACE INTO users (id, record) VALUES (?, ?)', [id, JSON.stringify(record)]),
    /** A held change by approval id: { id, userId, status, expiresAt (ms), request, decision, grant?, approver?, history } */
    getApproval: (id) => {
      const [row] = rows('SELECT record FROM approvals WHERE id = ?', [id]);
      return row ? JSON.parse(row.record) : undefined;
    },
    setApproval: (record, now = Date.now()) => run('INSERT OR REPLACE INTO approvals (id, user_id, status, expires_at, updated, record) VALUES (?, ?, ?, ?, ?, ?)', [record.id, record.userId, record.status, record.expiresAt, now, JSON.stringify(record)]),
    /** Held changes in `status` (all when omitted), soonest to expire first. */
    approvals: (status) => (status
      ? rows('SELECT record FROM approvals WHERE status = ? ORDER BY expires_at, id', [status])
      : rows('SELECT record FROM approvals ORDER BY expires_at, id')).map((r) => JSON.parse(r.record)),
    /** Changes still waiting for an approver whose approval expired at or before `now`. */
    approvalsDue: (now) => rows("SELECT record FROM approvals WHERE status = 'pending' AND expires_at <= ? ORDER BY expires_at, id", [now]).map((r) => JSON.parse(r.record)),
    /** When the next pending approval expires (ms), or undefined. */
    nextApprovalExpiry: () => rows("SELECT MIN(expires_at) AS at FROM approvals WHERE status = 'pending'")[0]?.at ?? undefined,
    getMeta: (key) => rows('SELECT value FROM meta WHERE key = ?', [key])[0]?.value,
    setMeta: (key, value) => run('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)', [key, String(value)]),
    /** Forgets processed events (their uuids stop deduplicating) and sign-ins older than retainMs. */
    prune(now = Date.now()) {
      run("DELETE FROM events WHERE status = 'done' AND received < ?", [now - retainMs]);
      run('DELETE FROM signins WHERE done_at < ?', [now - retainMs]);
      // Resolved approvals: an applied one keeps its (used) grant as long as events deduplicate.
      run("DELETE FROM approvals WHERE status IN ('applied', 'reverted', 'expired') AND updated < ?", [now - retainMs]);
    },
    transaction,
    persist,
    close: async () => {
      await persist();
      db.close();
    },
  };
}

module.exports = { openDatabase };
