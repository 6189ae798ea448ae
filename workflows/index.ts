export { offboarding } from './offboarding';
export { offboardingChunk } from './chunk';
