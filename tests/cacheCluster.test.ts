import { startRedisCluster } from './helpers/redisInstances';
import { describeSharedCache } from './helpers/sharedCacheSuite';

describeSharedCache('Redis Cluster', startRedisCluster);
