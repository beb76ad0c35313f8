import { create } from 'xmlbuilder2';

/**
 * Task Scheduler XML (schema 1.2) for a daily task run as SYSTEM. Declared UTF-16: the host writes
 * it as UTF-16 LE with a BOM, which is what schtasks /XML insists on.
 */
export interface DailyTask {
  description: string;
  time: string;
  command: string;
  arguments: string;
  workingDirectory: string;
}

export function dailyTaskXml(t: DailyTask): string {
  const task = create({ version: '1.0', encoding: 'UTF-16' }).ele('Task', {
    version: '1.2',
    xmlns: 'http://schemas.microsoft.com/windows/2004/02/mit/task',
  });
  const info = task.ele('RegistrationInfo');
  info.ele('Author').txt('QATrack+ Installer');
  info.ele('Description').txt(t.description);
  const trig = task.ele('Triggers').ele('CalendarTrigger');
  trig.ele('StartBoundary').txt(`2026-01-01T${t.time}:00`);
  trig.ele('Enabled').txt('true');
  trig.ele('ScheduleByDay').ele('DaysInterval').txt('1');
  const principal = task.ele('Principals').ele('Principal', { id: 'Author' });
  principal.ele('UserId').txt('S-1-5-18');
  principal.ele('RunLevel').txt('HighestAvailable');
  const s = task.ele('Settings');
  s.ele('MultipleInstancesPolicy').txt('IgnoreNew');
  s.ele('DisallowStartIfOnBatteries').txt('false');
  s.ele('StopIfGoingOnBatteries').txt('false');
  s.ele('StartWhenAvailable').txt('true');
  s.ele('ExecutionTimeLimit').txt('PT4H');
  s.ele('Enabled').txt('true');
  const exec = task.ele('Actions', { Context: 'Author' }).ele('Exec');
  exec.ele('Command').txt(t.command);
  exec.ele('Arguments').txt(t.arguments);
  exec.ele('WorkingDirectory').txt(t.workingDirectory);
  return task.end({ prettyPrint: true, newline: '\r\n' }) + '\r\n';
}
