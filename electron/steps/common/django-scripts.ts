import { pyStr } from './python-literal.js';

/**
 * Small Python programs run through `manage.py shell -c` (QATrack+'s own Django, its settings and
 * its database). Probes print one JSON line; none takes a secret on its command line.
 */

/** Unapplied migrations and whether the cache table is missing. */
export const SCHEMA_PROBE = [
  'import json',
  'from django.conf import settings',
  'from django.db import connections',
  'from django.db.migrations.executor import MigrationExecutor',
  'conn = connections["default"]',
  'ex = MigrationExecutor(conn)',
  'unapplied = len(ex.migration_plan(ex.loader.graph.leaf_nodes()))',
  'tables = set(conn.introspection.table_names())',
  'wanted = [c["LOCATION"] for c in settings.CACHES.values() if c["BACKEND"].endswith("DatabaseCache")]',
  'print(json.dumps({"unapplied": unapplied, "cacheMissing": any(t not in tables for t in wanted)}))',
].join('\n');

export const superuserProbe = (username: string) =>
  [
    'import json',
    'from django.contrib.auth import get_user_model',
    `u = get_user_model().objects.filter(username=${pyStr(username)}).first()`,
    'print(json.dumps({"exists": bool(u and u.is_superuser and u.is_active)}))',
  ].join('\n');

/**
 * Creates or updates the superuser from JSON on stdin ({username, email, password}): Django 2.2's
 * `createsuperuser --noinput` cannot take a password, and a password never goes on a command line.
 */
export const SUPERUSER_SCRIPT = [
  'import json, sys',
  'from django.contrib.auth import get_user_model',
  'd = json.loads(sys.stdin.read())',
  'User = get_user_model()',
  'u = User.objects.filter(username=d["username"]).first()',
  'if u is None:',
  '    User.objects.create_superuser(d["username"], d["email"], d["password"])',
  'else:',
  '    u.email, u.is_superuser, u.is_staff, u.is_active = d["email"], True, True, True',
  '    u.set_password(d["password"])',
  '    u.save()',
  'print("superuser %s ready" % d["username"])',
].join('\n');

/** `loaddata` of every fixtures/defaults/*\/*.json of the release, in sorted order, in one transaction. */
export const LOADDATA_SCRIPT = [
  'import glob, os',
  'from django.conf import settings',
  'from django.core.management import call_command',
  'files = sorted(glob.glob(os.path.join(os.getcwd(), "fixtures", "defaults", "*", "*.json")))',
  'for f in files:',
  '    print("fixture", os.path.relpath(f))',
  'if files:',
  '    call_command("loaddata", *files)',
].join('\n');
