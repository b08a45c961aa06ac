// Placeholder; replaced by the Temporal dev-server setup.
export default function setup(): void {}
