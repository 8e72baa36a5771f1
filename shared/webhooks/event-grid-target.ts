import { AzureKeyCredential, EventGridPublisherClient } from '@azure/eventgrid';
import { DefaultAzureCredential } from '@azure/identity';
import type { Config } from '../config';
import type { RelayTarget } from './webhook-relay';

/**
 * The Event Grid topic as a relay target: every change, as the same CloudEvent the webhooks get,
 * published with the topic's key or the app's identity (EventGrid Data Sender role).
 */
export function eventGridTarget(
  config: Pick<Config, 'EVENT_GRID_TOPIC_ENDPOINT' | 'EVENT_GRID_TOPIC_KEY'>,
): RelayTarget | undefined {
  if (!config.EVENT_GRID_TOPIC_ENDPOINT) return undefined;
  const credential = config.EVENT_GRID_TOPIC_KEY
    ? new AzureKeyCredential(config.EVENT_GRID_TOPIC_KEY)
    : new DefaultAzureCredential();
  const client = new EventGridPublisherClient(config.EVENT_GRID_TOPIC_ENDPOINT, 'CloudEvent', credential);
  return {
    id: '_eventgrid',
    filter: {},
    deliver: async (event) => {
      try {
        await client.send([
          {
            id: event.id,
            source: event.source,
            type: event.type,
            time: new Date(event.time),
            subject: event.subject,
            datacontenttype: event.datacontenttype,
            data: event.data,
          },
        ]);
        return { ok: true };
      } catch (error) {
        return { ok: false, error: error instanceof Error ? error.message.slice(0, 200) : 'publish failed' };
      }
    },
  };
}
