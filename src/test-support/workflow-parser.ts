import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';

/**
 * What GitHub's own workflow parser finds wrong with a workflow file: schema errors from parsing,
 * then the errors of converting it into jobs (needs naming a missing job, cycles, ...).
 */
export async function workflowProblems(content: string, name = 'slipway.yml'): Promise<string[]> {
  const parsed = parseWorkflow({ name, content }, new NoOperationTraceWriter());
  const problems = parsed.context.errors.getErrors().map((error) => error.message);
  if (parsed.value) {
    const template = await convertWorkflowTemplate(parsed.context, parsed.value);
    problems.push(...(template.errors ?? []).map((error) => error.Message));
  }
  return [...new Set(problems)];
}
