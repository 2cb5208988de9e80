export { clusterSchema, type ClusterConfig, type UserClusterConfig, type ClusterProvider } from '../../../config/cluster-schema.ts';
export { clusterAccess, type ClusterAccessOptions } from './cluster-access.ts';
export type { ClusterAccess } from './access.ts';
export { parseKubeconfig, type Kubeconfig } from './kubeconfig.ts';
