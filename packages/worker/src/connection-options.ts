import type { Metadata } from '@kairos/client';
import type { Duration } from '@kairos/common/lib/time';
import type { ProxyConfig, TLSConfig } from '@kairos/common/lib/internal-non-workflow';
import type { NativeConnectionPlugin } from './connection';

export type { TLSConfig, ProxyConfig };

/** Client-side DNS load balancing (not implemented in Kairos: giving it throws). */
export interface DNSLoadBalancingConfig {
  resolutionInterval: Duration;
}

/** gzip compression of gRPC messages. */
export interface GzipGrpcCompressionConfig {
  codec: 'gzip';
}

/** No compression. */
export interface NoneGrpcCompressionConfig {
  codec: 'none';
}

/** gRPC compression setting. */
export type GrpcCompressionConfig = GzipGrpcCompressionConfig | NoneGrpcCompressionConfig;

/** Sizes above which the core warns about payloads (accepted; Kairos does not warn yet). */
export interface PayloadLimitsConfig {
  payloadsWarnSize?: number;
  memoWarnSize?: number;
}

/** Options of `NativeConnection.connect`. */
export interface NativeConnectionOptions {
  /** `host:port` of the server. Default `localhost:7233`. */
  address?: string;
  /** TLS settings; `true` for TLS with defaults. Implied when `apiKey` is set. */
  tls?: TLSConfig | boolean | null;
  /** HTTP CONNECT proxy (not implemented in Kairos: giving it throws). */
  proxy?: ProxyConfig;
  /** DNS load balancing (not implemented in Kairos: giving it throws). */
  dnsLoadBalancingConfig?: DNSLoadBalancingConfig | null;
  /** Compression (accepted; Kairos always sends uncompressed messages). */
  grpcCompression?: GrpcCompressionConfig;
  /** Metadata (gRPC headers) sent with every call. */
  metadata?: Metadata;
  /** API key, sent as `Authorization: Bearer <key>`. */
  apiKey?: string;
  /** Accepted; Kairos always tags error metrics with the status code. */
  disableErrorCodeMetricTags?: boolean;
  payloadLimits?: PayloadLimitsConfig;
  plugins?: NativeConnectionPlugin[];
}
