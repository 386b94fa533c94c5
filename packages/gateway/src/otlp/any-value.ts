// OTLP AnyValue / KeyValue ↔ plain attribute values, for both encodings: decoded protobuf (int64 as
// Long) and OTLP/JSON (int64 as a decimal string or a number).
import type { Attributes, AttributeValue } from '@opentelemetry/api';

type Obj = Record<string, unknown>;

function int64(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  if (typeof v === 'object' && v !== null && typeof (v as { toNumber?: unknown }).toNumber === 'function')
    return (v as { toNumber(): number }).toNumber();
  return undefined;
}

type Scalar = string | number | boolean;

/** An own, non-null field (a decoded protobuf message keeps every field's default on its prototype). */
const has = (v: Obj, field: string) => Object.hasOwn(v, field) && v[field] != null;

function scalar(v: Obj): Scalar | undefined {
  if (has(v, 'stringValue')) return String(v.stringValue);
  if (has(v, 'intValue')) return int64(v.intValue);
  if (has(v, 'doubleValue')) {
    const d = v.doubleValue;
    return typeof d === 'number' ? d : int64(d); // JSON may spell NaN/Infinity as strings
  }
  if (has(v, 'boolValue')) return Boolean(v.boolValue);
  return undefined;
}

/** An AnyValue as an attribute value: scalars, and arrays of scalars; maps and bytes are not read. */
export function attributeValue(v: unknown): AttributeValue | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Obj;
  const s = scalar(o);
  if (s !== undefined) return s;
  const arr = has(o, 'arrayValue') ? (o.arrayValue as { values?: unknown }) : undefined;
  if (arr !== undefined && Array.isArray(arr.values)) {
    const out: Scalar[] = [];
    for (const item of arr.values) {
      if (typeof item === 'object' && item !== null) {
        const x = scalar(item as Obj);
        if (x !== undefined) out.push(x);
      }
    }
    return out as AttributeValue;
  }
  return undefined;
}

/** A KeyValue list as an attribute record (the first value of a repeated key wins). */
export function attributeBag(list: unknown): Record<string, AttributeValue | undefined> {
  const out: Record<string, AttributeValue | undefined> = {};
  if (!Array.isArray(list)) return out;
  for (const kv of list) {
    if (typeof kv !== 'object' || kv === null) continue;
    const key = (kv as Obj).key;
    if (typeof key !== 'string' || key in out) continue;
    out[key] = attributeValue((kv as Obj).value);
  }
  return out;
}

/** One attribute as an OTLP KeyValue (the shape both JSON and protobufjs take): numbers are doubles. */
export function keyValue(key: string, value: AttributeValue): { key: string; value: Obj } {
  if (typeof value === 'number') return { key, value: { doubleValue: value } };
  if (typeof value === 'boolean') return { key, value: { boolValue: value } };
  if (typeof value === 'string') return { key, value: { stringValue: value } };
  return { key, value: { stringValue: String(value) } };
}

export function keyValues(attributes: Attributes): { key: string; value: Obj }[] {
  const out: { key: string; value: Obj }[] = [];
  for (const [key, value] of Object.entries(attributes))
    if (value !== undefined) out.push(keyValue(key, value));
  return out;
}
