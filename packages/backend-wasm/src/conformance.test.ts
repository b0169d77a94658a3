import { describeConformance } from '@llamita/testkit';
import { wasmBackend } from './backend.js';

describeConformance(wasmBackend);
