// The tests import src/ directly, not through the package's "node" export
// condition, so they install Node's platform as src/index.node.ts does.
import { installPlatform } from '../../src/platform/platform.js';
import { nodePlatform } from '../../src/platform/node.js';

installPlatform(nodePlatform);
