// V8's garbage collector settings first, then the modules: the full collections while they load set the heap's next limit
import { applyGcSettingsFromEnvironment } from '#platform/heap-growth';

applyGcSettingsFromEnvironment(process.env);
await import('reflect-metadata');
const { exitOnStartupError, loadDevelopmentEnvFile } = await import('#platform');
const { startApi } = await import('./bootstrap.js');

loadDevelopmentEnvFile();
startApi().catch(exitOnStartupError);
