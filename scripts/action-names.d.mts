/** Each folder of actions/ with an action.yml, sorted. */
export function actionNames(): string[];
