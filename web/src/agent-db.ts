// A small key-value store in IndexedDB for the agent page: its key (a
// CryptoKey is stored as it is; localStorage holds text only) and the photos
// of dissents waiting to be sent (too large for localStorage's few megabytes).
const DB = 'kura-agent';
const STORE = 'kv';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const r = indexedDB.open(DB, 1);
    r.onupgradeneeded = () => r.result.createObjectStore(STORE);
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

async function run<T>(
  mode: IDBTransactionMode,
  act: (s: IDBObjectStore) => IDBRequest,
): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const r = act(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(r.result as T);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

export const idbGet = <T>(key: string) => run<T | undefined>('readonly', (s) => s.get(key));
export const idbPut = (key: string, value: unknown) =>
  run<IDBValidKey>('readwrite', (s) => s.put(value, key)).then(() => undefined);
export const idbDelete = (key: string) =>
  run<undefined>('readwrite', (s) => s.delete(key)).then(() => undefined);
