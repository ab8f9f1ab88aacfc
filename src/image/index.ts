// Container images for containerlab deployments: specs (images/*/Dockerfile), this machine's Debian source,
// and the offline build (debootstrap base + docker build).

export * from './specs';
export * from './debian';
export * from './build';
