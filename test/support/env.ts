/** Settings of the local environment, from the global setup. A missing one fails the test loudly. */
export function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(
      `${name} is not set: the test environment is not up. Run the tests with \`npm test\` ` +
        '(its global setup starts the API server and databases), or `npm run env:up` first.',
    );
  }
  return value;
}
