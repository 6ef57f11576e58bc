import 'reflect-metadata';
import { exitOnStartupError, loadDevelopmentEnvFile } from '#platform';
import { startApi } from './bootstrap.js';

loadDevelopmentEnvFile();
startApi().catch(exitOnStartupError);
