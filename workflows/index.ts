export { offboarding } from './offboarding';
