import 'reflect-metadata';
import { exitOnStartupError } from '#platform';
import { startApi } from './bootstrap.js';

startApi().catch(exitOnStartupError);
