// Types of sameAnswer.mjs, for the tests that compare the servers' answers.
export interface Answer {
  status: number;
  body: any;
}
/** DeployDB's and the floor's answers to `path`, and whether they are alike (cursors compared by presence). */
export declare function compareAnswers(deploydbUrl: string, floorUrl: string, path: string): Promise<{ same: boolean; deploydb: Answer; floor: Answer }>;
