// V8's heap growth first, then the modules: the full collections while they load set the heap's next limit
import { applyHeapGrowthFromEnvironment } from '#platform/heap-growth';

applyHeapGrowthFromEnvironment(process.env);
await import('reflect-metadata');
const { exitOnStartupError, loadDevelopmentEnvFile } = await import('#platform');
const { startWorker } = await import('./bootstrap.js');

loadDevelopmentEnvFile();
startWorker().catch(exitOnStartupError);
