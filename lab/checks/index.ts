export async function runChecks(json: boolean): Promise<number> {
  void json;
  return 1;
}
