import { startRedis } from './helpers/redisInstances';
import { describeSharedCache } from './helpers/sharedCacheSuite';

describeSharedCache('Redis', startRedis);
