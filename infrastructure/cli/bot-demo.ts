export async function runBotDemo(store: string): Promise<void> {
  throw new Error(`bot-demo is not wired yet (store ${store})`);
}
