/*
 * Telemetry (API.md, "Telemetry and activity"): Application Insights through the Azure Monitor
 * OpenTelemetry distro when APPLICATIONINSIGHTS_CONNECTION_STRING is set, any OTLP collector when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set (both: both), nothing loaded when neither is. No automatic
 * HTTP or Azure SDK instrumentation (their URLs would carry addresses and storage keys); the spans
 * and metrics are the service's own, named after operations, never after what a request holds.
 */
import { metrics, trace, type Context, type Span } from '@opentelemetry/api';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { MetricReader } from '@opentelemetry/sdk-metrics';

export interface Telemetry {
  mode: 'none' | 'azure' | 'otlp' | 'azure+otlp';
  flush(): Promise<void>;
}

/** Belt and braces: a URL attribute any library sets is cut to its origin before export. */
class RedactUrlSpanProcessor implements SpanProcessor {
  private static readonly KEYS = [
    'url.full',
    'http.url',
    'url.path',
    'url.query',
    'http.target',
    'url.original',
  ];
  onStart(span: Span, _context: Context): void {
    const attributes = (span as unknown as ReadableSpan).attributes ?? {};
    for (const key of RedactUrlSpanProcessor.KEYS) {
      const value = attributes[key];
      if (typeof value !== 'string') continue;
      let redacted = '[redacted]';
      try {
        redacted = `${new URL(value).origin}/[redacted]`;
      } catch {
        // not a URL: fully redacted
      }
      span.setAttribute(key, redacted);
    }
  }
  onEnd(): void {}
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

function otlpPipeline(intervalMs: number): { spanProcessor: SpanProcessor; metricReader: MetricReader } {
  // Loaded only when configured: the SDK costs start-up time nobody else should pay.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { BatchSpanProcessor } =
    require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  const { PeriodicExportingMetricReader } =
    require('@opentelemetry/sdk-metrics') as typeof import('@opentelemetry/sdk-metrics');
  const { OTLPTraceExporter } =
    require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
  const { OTLPMetricExporter } =
    require('@opentelemetry/exporter-metrics-otlp-http') as typeof import('@opentelemetry/exporter-metrics-otlp-http');
  /* eslint-enable @typescript-eslint/no-require-imports */
  return {
    spanProcessor: new BatchSpanProcessor(new OTLPTraceExporter()),
    metricReader: new PeriodicExportingMetricReader({
      exporter: new OTLPMetricExporter(),
      exportIntervalMillis: intervalMs,
      exportTimeoutMillis: Math.min(intervalMs, 30_000),
    }),
  };
}

let current: Telemetry | undefined;

/** Sets telemetry up once per process, from the two settings. */
export function initTelemetry(settings: {
  APPLICATIONINSIGHTS_CONNECTION_STRING?: string | undefined;
  OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined;
  OTEL_METRIC_EXPORT_INTERVAL: number;
  OTEL_SERVICE_NAME: string;
}): Telemetry {
  if (current) return current;
  const connectionString = settings.APPLICATIONINSIGHTS_CONNECTION_STRING;
  const otlp = settings.OTEL_EXPORTER_OTLP_ENDPOINT;
  const redact = new RedactUrlSpanProcessor();
  if (connectionString) {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { useAzureMonitor } =
      require('@azure/monitor-opentelemetry') as typeof import('@azure/monitor-opentelemetry');
    /* eslint-enable @typescript-eslint/no-require-imports */
    const extra = otlp ? otlpPipeline(settings.OTEL_METRIC_EXPORT_INTERVAL) : undefined;
    useAzureMonitor({
      // Failed batches are not written to disk: they would be personal data at rest.
      azureMonitorExporterOptions: { connectionString, disableOfflineStorage: true },
      tracesPerSecond: 0,
      samplingRatio: 1,
      enableLiveMetrics: false,
      enableStandardMetrics: false,
      enablePerformanceCounters: false,
      instrumentationOptions: {
        http: { enabled: false },
        azureSdk: { enabled: false },
        mongoDb: { enabled: false },
        mySql: { enabled: false },
        postgreSql: { enabled: false },
        redis: { enabled: false },
        redis4: { enabled: false },
        bunyan: { enabled: false },
        winston: { enabled: false },
      },
      spanProcessors: [redact, ...(extra ? [extra.spanProcessor] : [])],
      ...(extra ? { metricReaders: [extra.metricReader] } : {}),
    });
    current = { mode: otlp ? 'azure+otlp' : 'azure', flush: flushGlobal };
  } else if (otlp) {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { NodeTracerProvider } =
      require('@opentelemetry/sdk-trace-node') as typeof import('@opentelemetry/sdk-trace-node');
    const { MeterProvider } =
      require('@opentelemetry/sdk-metrics') as typeof import('@opentelemetry/sdk-metrics');
    const { resourceFromAttributes } =
      require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
    /* eslint-enable @typescript-eslint/no-require-imports */
    const resource = resourceFromAttributes({
      'service.name': settings.OTEL_SERVICE_NAME,
    });
    const { spanProcessor, metricReader } = otlpPipeline(settings.OTEL_METRIC_EXPORT_INTERVAL);
    const tracerProvider = new NodeTracerProvider({ resource, spanProcessors: [redact, spanProcessor] });
    tracerProvider.register();
    const meterProvider = new MeterProvider({ resource, readers: [metricReader] });
    metrics.setGlobalMeterProvider(meterProvider);
    current = {
      mode: 'otlp',
      flush: async () => {
        await Promise.all([tracerProvider.forceFlush(), meterProvider.forceFlush()]);
      },
    };
  } else current = { mode: 'none', flush: async () => undefined };
  return current;
}

async function flushGlobal(): Promise<void> {
  const provider = trace.getTracerProvider() as { getDelegate?: () => { forceFlush?: () => Promise<void> } };
  const real =
    typeof provider.getDelegate === 'function'
      ? provider.getDelegate()
      : (provider as { forceFlush?: () => Promise<void> });
  await Promise.all([
    real.forceFlush?.(),
    (metrics.getMeterProvider() as { forceFlush?: () => Promise<void> }).forceFlush?.(),
  ]);
}
