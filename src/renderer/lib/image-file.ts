import { formatBytes } from './format';

/** Largest image file a page accepts (the API takes data URLs up to 30 MB). */
export const MAX_IMAGE_FILE_BYTES = 20 * 1024 * 1024;

/** An image file the user dropped or chose, as a data URL; refused (naming the file) when it is not an image or too large. */
export function readImageFile(file: File): Promise<string> {
  if (!file.type.startsWith('image/')) return Promise.reject(new Error(`${file.name}: not an image (${file.type || 'unknown type'})`));
  if (file.size > MAX_IMAGE_FILE_BYTES)
    return Promise.reject(new Error(`${file.name}: ${formatBytes(file.size)} is too large (at most ${formatBytes(MAX_IMAGE_FILE_BYTES)})`));
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(new Error(`${file.name}: could not be read`));
    reader.readAsDataURL(file);
  });
}
