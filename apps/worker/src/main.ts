import 'reflect-metadata';
import { exitOnStartupError, loadDevelopmentEnvFile } from '#platform';
import { startWorker } from './bootstrap.js';

loadDevelopmentEnvFile();
startWorker().catch(exitOnStartupError);
