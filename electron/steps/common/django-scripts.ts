import { pyStr } from './python-literal.js';

/**
 * Small Python programs run through `manage.py shell -c` (QATrack+'s own Django, its settings and
 * its database). Probes print one JSON line; none takes a secret on its command line.
 */

/**
 * The argument for `manage.py shell -c`: the program as the body of a function, called at once.
 * Django 2.2's shell (django/core/management/commands/shell.py, `handle`: `exec(options['command'])`
 * with no globals dict, inside a method) keeps top-level names in a locals mapping that a generator,
 * comprehension or nested function cannot see (`NameError: name 'tables' is not defined`, seen on
 * QATrack+ 3.1.1.4). In a function body they are ordinary locals, which closures do see; Django 3.1+
 * (which passes globals itself) runs it the same. The plan still shows the program's first lines.
 */
export const shellCommand = (program: string): string =>
  ['def main():', ...program.split('\n').map((l) => `    ${l}`), 'main()'].join('\n');

/** `manage.py shell -c <program>` arguments (after manage.py). */
export const shellArgs = (program: string): string[] => ['shell', '-c', shellCommand(program)];

/** The Django Sites row SITE_ID (domain and display name; QATrack+ titles every page with the name). */
export const SITE_PROBE = [
  'import json',
  'from django.conf import settings',
  'from django.contrib.sites.models import Site',
  's = Site.objects.filter(pk=settings.SITE_ID).first()',
  'print(json.dumps({"domain": s.domain if s else None, "name": s.name if s else None}))',
].join('\n');

/** Django's default Sites row (django/contrib/sites/management.py create_default_site). */
export const DEFAULT_SITE = 'example.com';

/**
 * Sets the Sites row's domain to the site's host name; its display name too while it is still
 * Django's default (a name the admin chose is kept). Prints the row as SITE_PROBE does.
 */
export const siteScript = (domain: string) =>
  [
    'import json',
    'from django.conf import settings',
    'from django.contrib.sites.models import Site',
    `domain = ${pyStr(domain)}`,
    's, _ = Site.objects.get_or_create(pk=settings.SITE_ID, defaults={"domain": domain, "name": domain})',
    's.domain = domain',
    `if s.name == ${pyStr(DEFAULT_SITE)}:`,
    '    s.name = domain',
    's.save()',
    'print(json.dumps({"domain": s.domain, "name": s.name}))',
  ].join('\n');

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
  // Bytes, decoded as UTF-8: on Windows a piped sys.stdin is decoded in the ANSI code page
  // (Python docs, sys.stdin), which would store a non-ASCII password mangled (issue 10, defect 5).
  'd = json.loads(sys.stdin.buffer.read().decode("utf-8"))',
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
