/* The schema as an ordered list of migrations. A new database runs them all;
 * an old one runs those above its version, each in its own transaction
 * together with the version bump, so a crash leaves one version or the next.
 * Never edit a published migration: add the next one (and a test that
 * migrates to it from every older version, tests/unit/core/test_store.c). */
#include <errno.h>
#include <stddef.h>

#include "core/store_internal.h"

static const struct store_migration migrations[] = {
	{ 1, "targets, initiator IDs, virtual disks, LUN mappings",
	  "CREATE TABLE meta ("
	  "  key TEXT PRIMARY KEY,"
	  "  value TEXT NOT NULL);"
	  "CREATE TABLE targets ("
	  "  seq INTEGER PRIMARY KEY,"
	  "  guid TEXT NOT NULL UNIQUE,"
	  "  name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
	  "  iqn TEXT NOT NULL UNIQUE COLLATE NOCASE,"
	  "  description TEXT NOT NULL DEFAULT '',"
	  "  enabled INTEGER NOT NULL DEFAULT 1,"
	  "  chap_enabled INTEGER NOT NULL DEFAULT 0,"
	  "  chap_user TEXT NOT NULL DEFAULT '',"
	  "  chap_secret TEXT NOT NULL DEFAULT '',"
	  "  reverse_chap_enabled INTEGER NOT NULL DEFAULT 0,"
	  "  reverse_chap_user TEXT NOT NULL DEFAULT '',"
	  "  reverse_chap_secret TEXT NOT NULL DEFAULT '',"
	  "  max_recv_data_segment_length INTEGER NOT NULL DEFAULT 65536,"
	  "  first_burst_length INTEGER NOT NULL DEFAULT 65536,"
	  "  max_burst_length INTEGER NOT NULL DEFAULT 262144,"
	  "  num_recv_buffers INTEGER NOT NULL DEFAULT 10,"
	  "  enforce_idle_timeout INTEGER NOT NULL DEFAULT 1);"
	  "CREATE TABLE target_ids ("
	  "  target TEXT NOT NULL REFERENCES targets(guid) ON DELETE CASCADE,"
	  "  method INTEGER NOT NULL,"
	  "  value TEXT NOT NULL,"
	  "  PRIMARY KEY (target, method, value));"
	  "CREATE TABLE disks ("
	  "  wtd INTEGER PRIMARY KEY,"
	  "  guid TEXT NOT NULL UNIQUE,"
	  "  serial TEXT NOT NULL,"
	  "  path TEXT NOT NULL UNIQUE,"
	  "  description TEXT NOT NULL DEFAULT '',"
	  "  type INTEGER NOT NULL DEFAULT 1,"
	  "  flags INTEGER NOT NULL DEFAULT 1,"
	  "  enabled INTEGER NOT NULL DEFAULT 1,"
	  "  size INTEGER NOT NULL,"
	  "  vhd_type INTEGER NOT NULL,"
	  "  parent_path TEXT NOT NULL DEFAULT '');"
	  "CREATE TABLE lun_mappings ("
	  "  target TEXT NOT NULL REFERENCES targets(guid) ON DELETE CASCADE,"
	  "  wtd INTEGER NOT NULL REFERENCES disks(wtd) ON DELETE RESTRICT,"
	  "  lun INTEGER NOT NULL,"
	  "  PRIMARY KEY (target, wtd),"
	  "  UNIQUE (target, lun));"
	  "CREATE INDEX lun_mappings_wtd ON lun_mappings(wtd);" },

	{ 2, "per-target portals, intents of multi-step operations",
	  "CREATE TABLE target_portals ("
	  "  target TEXT NOT NULL REFERENCES targets(guid) ON DELETE CASCADE,"
	  "  address TEXT NOT NULL,"
	  "  port INTEGER NOT NULL,"
	  "  PRIMARY KEY (target, address, port));"
	  "CREATE TABLE intents ("
	  "  id INTEGER PRIMARY KEY,"
	  "  kind INTEGER NOT NULL,"
	  "  phase INTEGER NOT NULL,"
	  "  wtd INTEGER NOT NULL DEFAULT 0,"
	  "  path TEXT NOT NULL,"
	  "  tmp_name TEXT NOT NULL DEFAULT '',"
	  "  old_size INTEGER NOT NULL DEFAULT 0,"
	  "  new_size INTEGER NOT NULL DEFAULT 0,"
	  "  delete_file INTEGER NOT NULL DEFAULT 0);" },

	{ 3, "cluster resource names, last login, CacheParent, VPD device identifiers",
	  "ALTER TABLE targets ADD COLUMN last_login INTEGER NOT NULL DEFAULT 0;"
	  "ALTER TABLE targets ADD COLUMN resource_name TEXT NOT NULL DEFAULT '';"
	  "ALTER TABLE targets ADD COLUMN resource_group TEXT NOT NULL DEFAULT '';"
	  "ALTER TABLE disks ADD COLUMN cache_parent INTEGER NOT NULL DEFAULT 0;"
	  "ALTER TABLE disks ADD COLUMN resource_name TEXT NOT NULL DEFAULT '';"
	  "ALTER TABLE disks ADD COLUMN resource_group TEXT NOT NULL DEFAULT '';"
	  "ALTER TABLE disks ADD COLUMN device_id TEXT NOT NULL DEFAULT '';"
	  /* Disks from before: their identifier is their GUID, as for new ones. */
	  "UPDATE disks SET device_id = guid WHERE device_id = '';" },

	{ 4, "the identity (device, inode) of each disk's file, recorded at creation",
	  /* 0: not recorded (disks from before): the reconciler records what it
	   * finds beneath the storage root, without symlinks, at its next pass. */
	  "ALTER TABLE disks ADD COLUMN file_dev INTEGER NOT NULL DEFAULT 0;"
	  "ALTER TABLE disks ADD COLUMN file_ino INTEGER NOT NULL DEFAULT 0;"
	  "ALTER TABLE intents ADD COLUMN file_dev INTEGER NOT NULL DEFAULT 0;"
	  "ALTER TABLE intents ADD COLUMN file_ino INTEGER NOT NULL DEFAULT 0;" },

	{ 5, "listener settings (SetPortalConfig): listen or not on an address and port",
	  "CREATE TABLE portal_settings ("
	  "  address TEXT NOT NULL,"
	  "  port INTEGER NOT NULL,"
	  "  listen INTEGER NOT NULL,"
	  "  PRIMARY KEY (address, port));" },

	{ 6, "snapshots of virtual disks (with a rollback's progress) and their schedules",
	  /* No foreign key to disks: a snapshot outlives its disk (it can still
	   * be exported). ROOT is the storage root holding the file (the disk's):
	   * ROOT/.istmd-snapshots/DISK_GUID/ID.vhd. */
	  "CREATE TABLE snapshots ("
	  "  id TEXT PRIMARY KEY,"
	  "  set_id TEXT NOT NULL,"
	  "  orig_wtd INTEGER NOT NULL,"
	  "  disk_guid TEXT NOT NULL,"
	  "  root TEXT NOT NULL,"
	  "  timestamp INTEGER NOT NULL,"
	  "  size INTEGER NOT NULL,"
	  "  exported_wtd INTEGER NOT NULL DEFAULT -1,"
	  "  description TEXT NOT NULL DEFAULT '',"
	  "  rollback_phase INTEGER NOT NULL DEFAULT 0,"
	  "  rollback_ino INTEGER NOT NULL DEFAULT 0,"
	  "  rollback_enable INTEGER NOT NULL DEFAULT 0);"
	  "CREATE INDEX snapshots_wtd ON snapshots(orig_wtd);"
	  "CREATE TABLE snapshot_schedules ("
	  "  id INTEGER PRIMARY KEY,"
	  "  wtds TEXT NOT NULL,"
	  "  start INTEGER NOT NULL,"
	  "  interval_s INTEGER NOT NULL,"
	  "  keep INTEGER NOT NULL,"
	  "  last_run INTEGER NOT NULL DEFAULT 0);" },
	{ 7, "iSNS servers (ISnsMgr AddSnsServer, MS-ISTM 3.40)",
	  /* NAME as the client gave it ("host" or "host:port"); SEQ keeps the
	   * order they were added in. */
	  "CREATE TABLE isns_servers ("
	  "  name TEXT NOT NULL PRIMARY KEY COLLATE NOCASE,"
	  "  seq INTEGER NOT NULL);" },
	{ 8, "several named snapshot schedules, with days of the week",
	  /* The one schedule of version 6 (row 1) becomes the one named
	   * 'default', the one MS-ISTM's DVSetSnapshotSchedule reads and
	   * writes. DAYS: bit 0 Sunday ... bit 6 Saturday, 0 every day. WTDS:
	   * the disks, comma-separated, empty for all. LAST_RUN: the latest
	   * grid point done or skipped (no catch-up before it); LAST_MADE: the
	   * latest one really run. */
	  "CREATE TABLE snapshot_schedule_list ("
	  "  name TEXT PRIMARY KEY,"
	  "  wtds TEXT NOT NULL,"
	  "  start INTEGER NOT NULL,"
	  "  interval_s INTEGER NOT NULL,"
	  "  days INTEGER NOT NULL DEFAULT 0,"
	  "  keep INTEGER NOT NULL,"
	  "  last_run INTEGER NOT NULL DEFAULT 0,"
	  "  last_made INTEGER NOT NULL DEFAULT 0);"
	  "INSERT INTO snapshot_schedule_list (name, wtds, start, interval_s, keep, last_run,"
	  "  last_made)"
	  "  SELECT 'default', wtds, start, interval_s, keep, last_run,"
	  "  CASE WHEN last_run >= start THEN last_run ELSE 0 END FROM snapshot_schedules"
	  "  WHERE id = 1 AND start > 0 AND interval_s > 0;"
	  "DROP TABLE snapshot_schedules;" },
};

const struct store_migration *store_migrations(size_t *n)
{
	*n = sizeof(migrations) / sizeof(migrations[0]);
	return migrations;
}

int store_schema_latest(void)
{
	return migrations[sizeof(migrations) / sizeof(migrations[0]) - 1].version;
}
