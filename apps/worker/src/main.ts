import 'reflect-metadata';
import { exitOnStartupError } from '#platform';
import { startWorker } from './bootstrap.js';

startWorker().catch(exitOnStartupError);
