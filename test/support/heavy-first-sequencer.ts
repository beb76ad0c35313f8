import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Starts the long test files first, so that with two forks the run does not end waiting on one long
 * file that began last. A clean CI clone has no vitest results cache, and then vitest orders by file
 * size, which put the 3-7 minute end-to-end files anywhere. Tiers are folders, from the per-file
 * durations of a full run (e2e, packaging and Wine set up real servers, Python and Windows programs);
 * with a results cache (local reruns) vitest's own order by past duration decides within a tier.
 */
const TIERS = [
  'test/e2e/',
  'test/package/installer-wine',
  'test/wine/',
  'test/integration/',
  'test/renderer/',
  'test/package/',
  'test/steps/',
];

const tier = (spec: TestSpecification) => {
  const rel = spec.moduleId.slice(spec.project.config.root.length + 1).replaceAll('\\', '/');
  const i = TIERS.findIndex((t) => rel.startsWith(t));
  return i === -1 ? TIERS.length : i;
};

export default class HeavyFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    // Array.prototype.sort is stable: within a tier the base order stays.
    return sorted
      .map((spec, i) => ({ spec, i, t: tier(spec) }))
      .sort((a, b) => a.t - b.t || a.i - b.i)
      .map((x) => x.spec);
  }
}
