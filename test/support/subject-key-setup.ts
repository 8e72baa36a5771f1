/* Every test file derives storage keys as the test hosts do: with the same subject key. */
import { useSubjectKey } from '../../shared/storage/subject-key';
import { TEST_SUBJECT_KEY } from './processes';

useSubjectKey(TEST_SUBJECT_KEY);
