// The collector-only pipeline: OTLP in, GenAI spans priced by the transform processor's OTTL
// statements, out to an OTLP/HTTP backend. Written with the `yaml` package (no hand-quoting).
import { Document } from 'yaml';
import { type OttlModel, ottlStatements } from './ottl.js';

export interface CollectorConfigOptions {
  models: readonly OttlModel[];
  /** Comment lines at the top (how it was generated, what was skipped). */
  header: string[];
}

export function collectorConfigYaml(options: CollectorConfigOptions): string {
  const config = {
    receivers: {
      otlp: { protocols: { http: { endpoint: '0.0.0.0:4318' }, grpc: { endpoint: '0.0.0.0:4317' } } },
    },
    processors: {
      memory_limiter: { check_interval: '1s', limit_percentage: 80, spike_limit_percentage: 20 },
      'transform/tokenmeter_cost': {
        error_mode: 'ignore',
        trace_statements: [{ context: 'span', statements: ottlStatements(options.models) }],
      },
    },
    exporters: {
      otlp_http: {
        // The collector's own environment substitution, not a template literal.
        // biome-ignore lint/suspicious/noTemplateCurlyInString: collector syntax
        endpoint: '${env:OTLP_BACKEND_ENDPOINT}',
        sending_queue: {
          enabled: true,
          sizer: 'items',
          queue_size: 100000,
          batch: { flush_timeout: '5s', min_size: 1024, max_size: 8192 },
        },
        retry_on_failure: {
          enabled: true,
          initial_interval: '5s',
          max_interval: '30s',
          max_elapsed_time: '300s',
        },
      },
    },
    service: {
      pipelines: {
        traces: {
          receivers: ['otlp'],
          processors: ['memory_limiter', 'transform/tokenmeter_cost'],
          exporters: ['otlp_http'],
        },
      },
    },
  };
  const doc = new Document(config);
  doc.commentBefore = options.header.map((l) => ` ${l}`).join('\n');
  return doc.toString({ lineWidth: 0 });
}
