export { scanImages } from './scan-images.ts';
export { npmRegistry } from './advisory-service.ts';
export type { Finding, ImageScan } from './plan.ts';
