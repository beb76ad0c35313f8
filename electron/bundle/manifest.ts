import { createPrivateKey, createPublicKey, sign, verify as verifySignature } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { z } from 'zod';
import { sha256Hex } from '../engine/catalog-schema.js';
import { sha256Text } from './hash.js';

export const MANIFEST_FILE = 'manifest.json';
export const SIGNATURE_FILE = 'manifest.sig';

export const manifestFileSchema = z
  .object({
    /** Relative, forward slashes, inside the bundle. */
    path: z
      .string()
      .regex(/^[A-Za-z0-9._+-]+(?:\/[A-Za-z0-9._+-]+)*$/, 'must be a relative path inside the bundle')
      .refine((p) => !p.split('/').includes('..'), 'must not contain ..'),
    size: z.number().int().nonnegative(),
    sha256: sha256Hex,
    /** `requirements`: wheelhouse/requirements.txt, what the install resolves against the wheels. */
    kind: z.enum(['artifact', 'source', 'wheel', 'tool', 'requirements']),
    /** Catalog id for artifacts (python, odbc...). */
    id: z.string().optional(),
    version: z.string().optional(),
  })
  .strict();
export type ManifestFile = z.infer<typeof manifestFileSchema>;

export const manifestBodySchema = z
  .object({
    format: z.literal(1),
    tool: z.object({ name: z.string(), version: z.string() }).strict(),
    release: z.string(),
    arch: z.enum(['x64', 'x86']),
    /** SHA-256 of the catalog file the bundle was built from. */
    catalogSha256: sha256Hex,
    pythonPlatform: z.string(),
    createdAt: z.string(),
    files: z.array(manifestFileSchema).min(1),
    /** Requirements left out of the wheelhouse (--skip-git): such a bundle cannot install. */
    missingRequirements: z.array(z.string()).optional(),
  })
  .strict();
export type ManifestBody = z.infer<typeof manifestBodySchema>;

export const manifestSchema = manifestBodySchema.extend({ manifestSha256: sha256Hex }).strict();
export type Manifest = z.infer<typeof manifestSchema>;

/** Deterministic JSON (sorted keys) so the self-hash does not depend on key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

export const manifestHash = (body: ManifestBody): string => sha256Text(canonicalJson(body));

export function sealManifest(body: ManifestBody): Manifest {
  const sorted = { ...body, files: [...body.files].sort((a, b) => (a.path < b.path ? -1 : 1)) };
  return { ...sorted, manifestSha256: manifestHash(sorted) };
}

export async function writeManifest(dir: string, manifest: Manifest, privateKeyPem?: string): Promise<void> {
  const text = `${JSON.stringify(manifest, null, 2)}\n`;
  await writeFileAtomic(path.join(dir, MANIFEST_FILE), text);
  if (privateKeyPem) {
    // Ed25519 over the exact bytes of manifest.json; detached so unsigned tooling still reads it.
    const sig = sign(null, Buffer.from(text), createPrivateKey(privateKeyPem));
    await writeFileAtomic(path.join(dir, SIGNATURE_FILE), `${sig.toString('base64')}\n`);
  }
}

export type ManifestRead = { ok: true; manifest: Manifest; raw: Buffer } | { ok: false; problem: string };

export async function readManifest(dir: string): Promise<ManifestRead> {
  let raw: Buffer;
  try {
    raw = await readFile(path.join(dir, MANIFEST_FILE));
  } catch {
    return { ok: false, problem: `${MANIFEST_FILE} is missing` };
  }
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    return { ok: false, problem: `${MANIFEST_FILE} is not valid JSON` };
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return {
      ok: false,
      problem: `${MANIFEST_FILE} is malformed at ${first?.path.join('.') || '(root)'}: ${first?.message}`,
    };
  }
  const { manifestSha256, ...body } = parsed.data;
  const actual = manifestHash(body);
  if (actual !== manifestSha256) {
    return {
      ok: false,
      problem: `${MANIFEST_FILE} was edited: its content hashes to ${actual}, not the recorded ${manifestSha256}`,
    };
  }
  return { ok: true, manifest: parsed.data, raw };
}

/** Check the detached signature; returns a problem sentence or undefined when it verifies. */
export async function checkSignature(
  dir: string,
  raw: Buffer,
  publicKeyPem: string,
): Promise<string | undefined> {
  let sig: Buffer;
  try {
    sig = Buffer.from((await readFile(path.join(dir, SIGNATURE_FILE), 'utf8')).trim(), 'base64');
  } catch {
    return `${SIGNATURE_FILE} is missing but a public key was given`;
  }
  const ok = verifySignature(null, raw, createPublicKey(publicKeyPem), sig);
  return ok ? undefined : `${SIGNATURE_FILE} does not verify with the given public key`;
}
