import { describeConformance } from '@llamita/testkit';
import { jsBackend } from './backend.js';

describeConformance(jsBackend);
