// Stand-ins for real exporters, so the example shows what reaches the app's SDK on the console.
import { ExportResultCode } from '@opentelemetry/core';
import { AggregationTemporality } from '@opentelemetry/sdk-metrics';
import { ATTR_GEN_AI_USAGE_COST, METRIC_LLM_COST_USD, METRIC_LLM_REQUESTS } from '@tokenmeter/semconv';

export class PrintSpanExporter {
  export(spans, done) {
    for (const s of spans) {
      const cost = s.attributes[ATTR_GEN_AI_USAGE_COST];
      console.log(`[app SDK] span "${s.name}"${cost === undefined ? '' : ` cost $${cost}`}`);
    }
    done({ code: ExportResultCode.SUCCESS });
  }
  shutdown() {
    return Promise.resolve();
  }
}

export class PrintMetricExporter {
  export(resourceMetrics, done) {
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const m of scope.metrics) {
        if (m.descriptor.name !== METRIC_LLM_REQUESTS && m.descriptor.name !== METRIC_LLM_COST_USD) continue;
        const sum = m.dataPoints.reduce((a, p) => a + p.value, 0);
        console.log(`[app SDK] metric ${m.descriptor.name} = ${sum}`);
      }
    }
    done({ code: ExportResultCode.SUCCESS });
  }
  selectAggregationTemporality() {
    return AggregationTemporality.CUMULATIVE;
  }
  forceFlush() {
    return Promise.resolve();
  }
  shutdown() {
    return Promise.resolve();
  }
}
