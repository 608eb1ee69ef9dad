import type { ConnectorKind } from './connection.js';
import type { ConnectorFactory } from './connector.js';
import { LeadscoreError } from './errors.js';

/**
 * Connector packages register themselves here when loaded; the core looks them up by kind and
 * never imports them.
 */
const factories = new Map<ConnectorKind, ConnectorFactory>();

export function registerConnector(factory: ConnectorFactory): void {
  factories.set(factory.kind, factory);
}

export function connectorFactory(kind: ConnectorKind): ConnectorFactory {
  const factory = factories.get(kind);
  if (!factory) {
    const known = [...factories.keys()].join(', ') || 'none';
    throw new LeadscoreError('CONNECTOR_UNKNOWN', `no connector "${kind}" is registered (registered: ${known})`);
  }
  return factory;
}
