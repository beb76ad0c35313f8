// vitest setupFiles: the tests' composition root points the engine at the repo's resources/ (as the
// CLI does from its own location, and Electron main from process.resourcesPath when packaged).
import { fileURLToPath as resourcesUrlToPath } from 'node:url';
import { configureResources } from '../../electron/engine/resources.js';

configureResources(resourcesUrlToPath(new URL('../../resources/', import.meta.url)));
