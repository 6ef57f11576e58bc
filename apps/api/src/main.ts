// V8's heap growth first, then the modules: the full collections while they load set the heap's next limit
import { applyHeapGrowthFromEnvironment } from '#platform/heap-growth';

applyHeapGrowthFromEnvironment(process.env);
await import('reflect-metadata');
const { exitOnStartupError, loadDevelopmentEnvFile } = await import('#platform');
const { startApi } = await import('./bootstrap.js');

loadDevelopmentEnvFile();
startApi().catch(exitOnStartupError);
